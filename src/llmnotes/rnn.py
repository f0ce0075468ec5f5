"""RNN, LSTM, GRU 셀과 층을 처음부터 구현한다 (가중치 배치와 게이트 순서는 ``torch.nn`` 과 같다).

가중치 이름도 torch 와 같게 두었다 (셀: ``weight_ih, weight_hh, bias_ih, bias_hh``, 층: ``weight_ih_l0`` …).
그래서 ``ours.load_state_dict(torch_module.state_dict())`` 한 줄로 가중치를 그대로 옮겨 같은 출력을
내는지 확인할 수 있다 (테스트: float64 에서 오차 1e-6 이내).

게이트 순서 (torch 와 같다):
- LSTM: 입력 게이트 i, 망각 게이트 f, 후보 g, 출력 게이트 o → ``weight_ih`` 의 모양은 (4H, I).
- GRU: 리셋 게이트 r, 업데이트 게이트 z, 후보 n → ``weight_ih`` 의 모양은 (3H, I).

학습할 때는 빠른 ``torch.nn.GRU``/``torch.nn.LSTM`` 을 쓰고 (:mod:`llmnotes.seq2seq`), 이 모듈은
안에서 무슨 계산이 일어나는지 보여 주고 torch 와 같음을 확인하는 데 쓴다.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from .nb import check_shape

__all__ = [
    "rnn_cell_step",
    "lstm_cell_step",
    "gru_cell_step",
    "RNNCell",
    "LSTMCell",
    "GRUCell",
    "RNN",
    "LSTM",
    "GRU",
    "grad_norm_by_step",
]


# ---------------------------------------------------------------------------------------------------------
# 한 시점의 계산 (함수형). x: (B, I), h: (B, H)
# ---------------------------------------------------------------------------------------------------------
def rnn_cell_step(x, h, w_ih, w_hh, b_ih=None, b_hh=None, nonlinearity: str = "tanh"):
    """바닐라 RNN 한 시점: h' = tanh(W_ih x + b_ih + W_hh h + b_hh).

    Args:
        x: (B, I) 입력.
        h: (B, H) 이전 은닉 상태.
        w_ih, w_hh: (H, I), (H, H) 가중치.
        b_ih, b_hh: (H,) 편향 (없으면 ``None``).
        nonlinearity: ``"tanh"`` 또는 ``"relu"``.
    """
    pre = x @ w_ih.T + h @ w_hh.T  # W_ih x + W_hh h
    if b_ih is not None:
        pre = pre + b_ih + b_hh
    return torch.tanh(pre) if nonlinearity == "tanh" else torch.relu(pre)


def lstm_cell_step(x, state, w_ih, w_hh, b_ih=None, b_hh=None):
    """LSTM 한 시점. 게이트 순서는 torch 와 같이 i, f, g, o.

    i = σ(W_ii x + W_hi h + b_i),  f = σ(W_if x + W_hf h + b_f)
    g = tanh(W_ig x + W_hg h + b_g),  o = σ(W_io x + W_ho h + b_o)
    c' = f ⊙ c + i ⊙ g,  h' = o ⊙ tanh(c')

    Args:
        x: (B, I) 입력.
        state: ``(h, c)`` 각각 (B, H).
        w_ih, w_hh: (4H, I), (4H, H).
        b_ih, b_hh: (4H,) 또는 ``None``.

    Returns:
        ``(h', c')``.
    """
    h, c = state
    gates = x @ w_ih.T + h @ w_hh.T  # (B, 4H): 네 게이트의 선형 변환을 한 번에
    if b_ih is not None:
        gates = gates + b_ih + b_hh
    i, f, g, o = gates.chunk(4, dim=1)
    i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
    c_new = f * c + i * g  # 셀 상태는 곱셈이 아니라 덧셈으로 이어진다: 기울기가 잘 흐르는 길
    h_new = o * torch.tanh(c_new)
    return h_new, c_new


def gru_cell_step(x, h, w_ih, w_hh, b_ih=None, b_hh=None):
    """GRU 한 시점. 게이트 순서는 torch 와 같이 r, z, n.

    r = σ(W_ir x + b_ir + W_hr h + b_hr),  z = σ(W_iz x + b_iz + W_hz h + b_hz)
    n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)),  h' = (1 − z) ⊙ n + z ⊙ h

    Args:
        x: (B, I) 입력.
        h: (B, H) 이전 은닉 상태.
        w_ih, w_hh: (3H, I), (3H, H).
        b_ih, b_hh: (3H,) 또는 ``None``.
    """
    gi = x @ w_ih.T  # (B, 3H)
    gh = h @ w_hh.T  # (B, 3H)
    if b_ih is not None:
        gi = gi + b_ih
        gh = gh + b_hh
    i_r, i_z, i_n = gi.chunk(3, dim=1)
    h_r, h_z, h_n = gh.chunk(3, dim=1)
    r = torch.sigmoid(i_r + h_r)
    z = torch.sigmoid(i_z + h_z)
    n = torch.tanh(i_n + r * h_n)  # 리셋 게이트는 (W_hn h + b_hn) 전체에 곱한다 (torch 와 같은 정의)
    return (1 - z) * n + z * h


# ---------------------------------------------------------------------------------------------------------
# 셀 (nn.Module)
# ---------------------------------------------------------------------------------------------------------
class _CellBase(nn.Module):
    n_gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True):
        super().__init__()
        for name, v in (("input_size", input_size), ("hidden_size", hidden_size)):
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {v!r})")
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        g = self.n_gates * hidden_size
        self.weight_ih = nn.Parameter(torch.empty(g, input_size))
        self.weight_hh = nn.Parameter(torch.empty(g, hidden_size))
        if bias:
            self.bias_ih = nn.Parameter(torch.empty(g))
            self.bias_hh = nn.Parameter(torch.empty(g))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """torch 와 같은 초기화: 모든 가중치 ~ U(−1/√H, 1/√H)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _check(self, x, h):
        check_shape(x, (None, self.input_size), name="x")
        check_shape(h, (x.shape[0], self.hidden_size), name="h")

    def _zeros(self, x):
        return x.new_zeros(x.shape[0], self.hidden_size)


class RNNCell(_CellBase):
    """바닐라 RNN 셀 (``torch.nn.RNNCell`` 과 같은 가중치 배치).

    Args:
        input_size: 입력 차원 I.
        hidden_size: 은닉 차원 H.
        bias: 편향을 쓸지.
        nonlinearity: ``"tanh"`` 또는 ``"relu"``.
    """

    n_gates = 1

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh"):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity는 'tanh' 또는 'relu'여야 합니다: {nonlinearity!r}")
        super().__init__(input_size, hidden_size, bias)
        self.nonlinearity = nonlinearity

    def forward(self, x, h=None):
        """x: (B, I), h: (B, H) 또는 ``None`` (0 으로 시작) → h': (B, H)."""
        h = self._zeros(x) if h is None else h
        self._check(x, h)
        return rnn_cell_step(
            x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh, self.nonlinearity
        )


class LSTMCell(_CellBase):
    """LSTM 셀 (``torch.nn.LSTMCell`` 과 같은 가중치 배치, 게이트 순서 i, f, g, o).

    Args:
        input_size: 입력 차원 I.
        hidden_size: 은닉 차원 H.
        bias: 편향을 쓸지.
    """

    n_gates = 4

    def forward(self, x, state=None):
        """x: (B, I), state: ``(h, c)`` 또는 ``None`` → ``(h', c')`` 각각 (B, H)."""
        if state is None:
            state = (self._zeros(x), self._zeros(x))
        h, c = state
        self._check(x, h)
        check_shape(c, (x.shape[0], self.hidden_size), name="c")
        return lstm_cell_step(x, (h, c), self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


class GRUCell(_CellBase):
    """GRU 셀 (``torch.nn.GRUCell`` 과 같은 가중치 배치, 게이트 순서 r, z, n).

    Args:
        input_size: 입력 차원 I.
        hidden_size: 은닉 차원 H.
        bias: 편향을 쓸지.
    """

    n_gates = 3

    def forward(self, x, h=None):
        """x: (B, I), h: (B, H) 또는 ``None`` → h': (B, H)."""
        h = self._zeros(x) if h is None else h
        self._check(x, h)
        return gru_cell_step(x, h, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)


# ---------------------------------------------------------------------------------------------------------
# 층: 시간 축을 따라 셀을 되풀이한다 (여러 층 쌓기 지원, 단방향)
# ---------------------------------------------------------------------------------------------------------
class _LayerBase(nn.Module):
    n_gates = 1
    mode = "RNN"

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        bias: bool = True,
        batch_first: bool = False,
    ):
        super().__init__()
        for name, v in (("input_size", input_size), ("hidden_size", hidden_size), ("num_layers", num_layers)):
            if not isinstance(v, int) or v < 1:
                raise ValueError(f"{name}: 1 이상의 정수여야 합니다 (받은 값 {v!r})")
        self.input_size, self.hidden_size, self.num_layers = input_size, hidden_size, num_layers
        self.bias, self.batch_first = bias, batch_first
        g = self.n_gates * hidden_size
        for k in range(num_layers):
            in_k = input_size if k == 0 else hidden_size  # 위층은 아래층의 은닉 상태를 입력으로 받는다
            setattr(self, f"weight_ih_l{k}", nn.Parameter(torch.empty(g, in_k)))
            setattr(self, f"weight_hh_l{k}", nn.Parameter(torch.empty(g, hidden_size)))
            if bias:
                setattr(self, f"bias_ih_l{k}", nn.Parameter(torch.empty(g)))
                setattr(self, f"bias_hh_l{k}", nn.Parameter(torch.empty(g)))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """torch 와 같은 초기화: 모든 가중치 ~ U(−1/√H, 1/√H)."""
        bound = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            nn.init.uniform_(p, -bound, bound)

    def _weights(self, k: int):
        b_ih = getattr(self, f"bias_ih_l{k}") if self.bias else None
        b_hh = getattr(self, f"bias_hh_l{k}") if self.bias else None
        return getattr(self, f"weight_ih_l{k}"), getattr(self, f"weight_hh_l{k}"), b_ih, b_hh

    def _prepare(self, x):
        if x.dim() != 3:
            raise ValueError(
                f"x는 3차원 (B, T, I) 또는 (T, B, I)여야 합니다: 모양 {tuple(x.shape)} (batch_first={self.batch_first})"
            )
        x = x.transpose(0, 1) if self.batch_first else x  # 안에서는 (T, B, I) 로 계산
        check_shape(x, (None, None, self.input_size), name="x (T, B, I)")
        return x

    def _check_state(self, h, batch: int, name: str):
        check_shape(h, (self.num_layers, batch, self.hidden_size), name=name)

    def _finish(self, outputs):
        out = torch.stack(outputs, dim=0)  # (T, B, H)
        return out.transpose(0, 1) if self.batch_first else out


class RNN(_LayerBase):
    """여러 시점을 처리하는 바닐라 RNN 층 (``torch.nn.RNN`` 과 같은 인터페이스, 단방향).

    Args:
        input_size: 입력 차원 I.
        hidden_size: 은닉 차원 H.
        num_layers: 쌓을 층 수.
        nonlinearity: ``"tanh"`` 또는 ``"relu"``.
        bias: 편향을 쓸지.
        batch_first: ``True`` 면 입력/출력이 (B, T, ·).
    """

    n_gates = 1

    def __init__(
        self,
        input_size: int,
        hidden_size: int,
        num_layers: int = 1,
        nonlinearity: str = "tanh",
        bias: bool = True,
        batch_first: bool = False,
    ):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity는 'tanh' 또는 'relu'여야 합니다: {nonlinearity!r}")
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first)
        self.nonlinearity = nonlinearity

    def forward(self, x, h0=None):
        """x: (T, B, I) (또는 batch_first 면 (B, T, I)), h0: (L, B, H) → ``(output, h_n)``.

        output 은 마지막 층의 모든 시점 은닉 상태 (T, B, H), h_n 은 각 층의 마지막 은닉 상태 (L, B, H).
        """
        x = self._prepare(x)
        T, B, _ = x.shape
        if h0 is None:
            h0 = x.new_zeros(self.num_layers, B, self.hidden_size)
        self._check_state(h0, B, "h0")
        layer_in, finals = list(x.unbind(0)), []
        for k in range(self.num_layers):
            w = self._weights(k)
            h, outs = h0[k], []
            for t in range(T):
                h = rnn_cell_step(layer_in[t], h, *w, nonlinearity=self.nonlinearity)  # h_t = f(x_t, h_{t-1})
                outs.append(h)
            layer_in = outs
            finals.append(h)
        return self._finish(layer_in), torch.stack(finals, dim=0)


class LSTM(_LayerBase):
    """여러 시점을 처리하는 LSTM 층 (``torch.nn.LSTM`` 과 같은 인터페이스, 단방향).

    Args:
        input_size: 입력 차원 I.
        hidden_size: 은닉 차원 H.
        num_layers: 쌓을 층 수.
        bias: 편향을 쓸지.
        batch_first: ``True`` 면 입력/출력이 (B, T, ·).
    """

    n_gates = 4

    def forward(self, x, state=None):
        """x: (T, B, I), state: ``(h0, c0)`` 각각 (L, B, H) → ``(output, (h_n, c_n))``."""
        x = self._prepare(x)
        T, B, _ = x.shape
        if state is None:
            z = x.new_zeros(self.num_layers, B, self.hidden_size)
            state = (z, z)
        h0, c0 = state
        self._check_state(h0, B, "h0")
        self._check_state(c0, B, "c0")
        layer_in, hs, cs = list(x.unbind(0)), [], []
        for k in range(self.num_layers):
            w = self._weights(k)
            h, c, outs = h0[k], c0[k], []
            for t in range(T):
                h, c = lstm_cell_step(layer_in[t], (h, c), *w)
                outs.append(h)
            layer_in = outs
            hs.append(h)
            cs.append(c)
        return self._finish(layer_in), (torch.stack(hs, dim=0), torch.stack(cs, dim=0))


class GRU(_LayerBase):
    """여러 시점을 처리하는 GRU 층 (``torch.nn.GRU`` 와 같은 인터페이스, 단방향).

    Args:
        input_size: 입력 차원 I.
        hidden_size: 은닉 차원 H.
        num_layers: 쌓을 층 수.
        bias: 편향을 쓸지.
        batch_first: ``True`` 면 입력/출력이 (B, T, ·).
    """

    n_gates = 3

    def forward(self, x, h0=None):
        """x: (T, B, I), h0: (L, B, H) → ``(output, h_n)``."""
        x = self._prepare(x)
        T, B, _ = x.shape
        if h0 is None:
            h0 = x.new_zeros(self.num_layers, B, self.hidden_size)
        self._check_state(h0, B, "h0")
        layer_in, finals = list(x.unbind(0)), []
        for k in range(self.num_layers):
            w = self._weights(k)
            h, outs = h0[k], []
            for t in range(T):
                h = gru_cell_step(layer_in[t], h, *w)
                outs.append(h)
            layer_in = outs
            finals.append(h)
        return self._finish(layer_in), torch.stack(finals, dim=0)


# ---------------------------------------------------------------------------------------------------------
# 기울기 소실 관찰
# ---------------------------------------------------------------------------------------------------------
def grad_norm_by_step(module: nn.Module, x, batch_first: bool | None = None):
    """마지막 시점의 출력에서 시작한 기울기가 각 입력 시점 x_t 에 얼마나 남는지 잰다.

    손실을 마지막 출력의 합 L = Σ h_T 로 두고 ‖∂L/∂x_t‖ 를 시점별로 구한다 (배치 평균).
    바닐라 RNN 에서는 t 가 T 에서 멀어질수록 이 값이 지수적으로 줄어든다 (기울기 소실).

    Args:
        module: ``(output, state)`` 를 돌려주는 순환 층 (이 모듈의 RNN/LSTM/GRU 또는 torch.nn 의 것).
        x: 입력 (T, B, I) 또는 batch_first 면 (B, T, I).
        batch_first: ``None`` 이면 ``module.batch_first`` 를 따른다.

    Returns:
        (T,) 텐서: 시점별 기울기 노름.
    """
    if x.dim() != 3:
        raise ValueError(f"x는 3차원이어야 합니다: 모양 {tuple(x.shape)}")
    bf = getattr(module, "batch_first", False) if batch_first is None else batch_first
    x = x.detach().clone().requires_grad_(True)
    out, _ = module(x)
    last = out[:, -1] if bf else out[-1]  # 마지막 시점 출력 h_T: (B, H)
    (grad,) = torch.autograd.grad(last.sum(), x)  # ∂L/∂x, 모양은 x 와 같다
    grad = grad if bf else grad.transpose(0, 1)  # (B, T, I)
    return grad.norm(dim=2).mean(dim=0).detach()  # 시점별 ‖∂L/∂x_t‖ 의 배치 평균
