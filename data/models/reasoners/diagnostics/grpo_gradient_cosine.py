# 진단 스크립트 (레시피 밖, 저장소 뿌리에서 PYTHONPATH=src 로 실행). data/models/reasoners/README.md 의 GRPO 절 참고.
# 기울기의 신호 대 잡음: 독립인 두 배치(문제 16 × 풀이 16)의 GRPO 기울기 코사인, 같은 크기의 지도 학습(정답 풀이) 기울기 코사인
import random, copy, torch
from llmnotes.gpt import load_pretrained
from llmnotes.reasoner import generate, rollout_batch, rollout_rewards, encode_batch, PROMPT_LEN
from llmnotes.reasoning import make_problem
from llmnotes.grpo import completion_logprobs, group_advantages, grpo_loss
m = load_pretrained('data/models/reasoners/cot-short')
def flat(): return torch.cat([p.grad.flatten() for p in m.parameters()])
def grpo_grad(seed, B=16, G=16):
    rng = random.Random(seed); ps = [make_problem(rng, rng.randint(1, 4)) for _ in range(B)]
    texts = generate(m, ps, samples=G, temperature=1.0, seed=seed)
    adv = group_advantages(rollout_rewards(ps, texts), G); ids, mask = rollout_batch(ps, texts)
    lp = completion_logprobs(m, ids, PROMPT_LEN + 1)
    loss, _ = grpo_loss(lp, lp.detach(), lp.detach(), adv, mask, beta=0.0)
    m.zero_grad(); loss.backward(); return flat()
def sft_grad(seed, B=16):
    rng = random.Random(seed); ps = [make_problem(rng, rng.randint(1, 4)) for _ in range(B)]
    x, y = encode_batch(ps, 'cot'); _, loss = m(x, y); m.zero_grad(); loss.backward(); return flat()
cos = torch.nn.functional.cosine_similarity
for B, G in ((16, 16), (64, 8)):
    g = [grpo_grad(s, B, G) for s in (1, 2, 3)]
    print(f'GRPO B{B}xG{G} cos', [round(cos(g[i], g[j], dim=0).item(), 3) for i, j in ((0, 1), (0, 2), (1, 2))], flush=True)
for B in (16, 64):
    s = [sft_grad(x, B) for x in (1, 2, 3)]
    print(f'SFT B{B} cos', [round(cos(s[i], s[j], dim=0).item(), 3) for i, j in ((0, 1), (0, 2), (1, 2))])
    print(f'  cos(-SFT B{B}, -GRPO B64xG8)', [round(cos(s[i], g[i], dim=0).item(), 3) for i in range(3)])
