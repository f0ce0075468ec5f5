"""처음부터 만든 RNN/LSTM/GRU (llmnotes.rnn) 와 torch.nn 의 일치 테스트. 허용 오차: float64 에서 1e-6."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from llmnotes import rnn as ours

TOL = {"atol": 1e-6, "rtol": 1e-6}


def _x(T=7, B=3, D=5, batch_first=False, seed=0):
    g = torch.Generator().manual_seed(seed)
    shape = (B, T, D) if batch_first else (T, B, D)
    return torch.randn(shape, generator=g, dtype=torch.float64)


@pytest.mark.parametrize(
    ("ours_cls", "ref_cls"),
    [(ours.RNNCell, nn.RNNCell), (ours.LSTMCell, nn.LSTMCell), (ours.GRUCell, nn.GRUCell)],
)
@pytest.mark.parametrize("bias", [True, False])
def test_cell_parity(ours_cls, ref_cls, bias):
    torch.manual_seed(0)
    ref = ref_cls(5, 4, bias=bias).double()
    mine = ours_cls(5, 4, bias=bias).double()
    mine.load_state_dict(ref.state_dict())
    x = _x()[0]
    torch.manual_seed(1)
    h = torch.randn(3, 4, dtype=torch.float64)
    if ours_cls is ours.LSTMCell:
        c = torch.randn(3, 4, dtype=torch.float64)
        for a, b in zip(mine(x, (h, c)), ref(x, (h, c))):
            torch.testing.assert_close(a, b, **TOL)
        for a, b in zip(mine(x), ref(x)):
            torch.testing.assert_close(a, b, **TOL)
    else:
        torch.testing.assert_close(mine(x, h), ref(x, h), **TOL)
        torch.testing.assert_close(mine(x), ref(x), **TOL)


def test_rnn_relu_cell_parity():
    ref = nn.RNNCell(5, 4, nonlinearity="relu").double()
    mine = ours.RNNCell(5, 4, nonlinearity="relu").double()
    mine.load_state_dict(ref.state_dict())
    x = _x()[0]
    torch.testing.assert_close(mine(x), ref(x), **TOL)


@pytest.mark.parametrize(
    ("ours_cls", "ref_cls"), [(ours.RNN, nn.RNN), (ours.LSTM, nn.LSTM), (ours.GRU, nn.GRU)]
)
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("num_layers", [1, 2])
def test_layer_parity(ours_cls, ref_cls, batch_first, num_layers):
    torch.manual_seed(0)
    ref = ref_cls(5, 6, num_layers=num_layers, batch_first=batch_first).double()
    mine = ours_cls(5, 6, num_layers=num_layers, batch_first=batch_first).double()
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in ref.named_parameters()]
    mine.load_state_dict(ref.state_dict())
    x = _x(batch_first=batch_first)
    torch.manual_seed(2)
    h0 = torch.randn(num_layers, 3, 6, dtype=torch.float64)
    if ours_cls is ours.LSTM:
        c0 = torch.randn(num_layers, 3, 6, dtype=torch.float64)
        out_m, (h_m, c_m) = mine(x, (h0, c0))
        out_r, (h_r, c_r) = ref(x, (h0, c0))
        torch.testing.assert_close(c_m, c_r, **TOL)
    else:
        out_m, h_m = mine(x, h0)
        out_r, h_r = ref(x, h0)
    torch.testing.assert_close(out_m, out_r, **TOL)
    torch.testing.assert_close(h_m, h_r, **TOL)
    # 기울기도 같다
    out_m.sum().backward()
    out_r.sum().backward()
    for (n, p), (_, q) in zip(mine.named_parameters(), ref.named_parameters()):
        torch.testing.assert_close(p.grad, q.grad, **TOL, msg=n)


def test_layer_zero_state_and_no_bias():
    ref = nn.GRU(5, 6, bias=False).double()
    mine = ours.GRU(5, 6, bias=False).double()
    mine.load_state_dict(ref.state_dict())
    x = _x()
    torch.testing.assert_close(mine(x)[0], ref(x)[0], **TOL)


def test_shape_errors():
    cell = ours.GRUCell(5, 4)
    with pytest.raises(ValueError, match=r"x의 모양이 \(3, 7\)"):
        cell(torch.zeros(3, 7))
    with pytest.raises(ValueError, match=r"h의 모양이 \(2, 4\)"):
        cell(torch.zeros(3, 5), torch.zeros(2, 4))
    lstm = ours.LSTM(5, 4, batch_first=True)
    with pytest.raises(ValueError, match=r"\(3, 5\)"):
        lstm(torch.zeros(3, 5))
    with pytest.raises(ValueError, match=r"c0의 모양이 \(1, 3, 5\)"):
        lstm(torch.zeros(3, 2, 5), (torch.zeros(1, 3, 4), torch.zeros(1, 3, 5)))
    with pytest.raises(ValueError, match="hidden_size"):
        ours.RNN(5, 0)
    with pytest.raises(ValueError, match="nonlinearity"):
        ours.RNN(5, 3, nonlinearity="gelu")


def test_grad_norm_by_step_vanishing():
    torch.manual_seed(0)
    x = torch.randn(4, 40, 8)
    rnn = ours.RNN(8, 16, batch_first=True)
    lstm = nn.LSTM(8, 16, batch_first=True)
    g_rnn = ours.grad_norm_by_step(rnn, x)
    g_lstm = ours.grad_norm_by_step(lstm, x)
    assert g_rnn.shape == g_lstm.shape == (40,)
    assert torch.all(g_rnn >= 0)
    # 마지막 시점의 기울기가 가장 크고, 멀리 떨어진 첫 시점은 훨씬 작다
    assert g_rnn[-1] > 100 * g_rnn[0]
    # 같은 모듈이면 torch 와 ours 가 같은 기울기 노름을 낸다
    ref = nn.RNN(8, 16, batch_first=True)
    ref.load_state_dict(rnn.state_dict())
    torch.testing.assert_close(ours.grad_norm_by_step(ref, x), g_rnn, atol=1e-5, rtol=1e-4)
    with pytest.raises(ValueError, match="3차원"):
        ours.grad_norm_by_step(rnn, torch.zeros(3, 4))
