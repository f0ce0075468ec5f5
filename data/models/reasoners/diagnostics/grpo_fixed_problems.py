# 진단 스크립트 (레시피 밖, 저장소 뿌리에서 PYTHONPATH=src 로 실행). data/models/reasoners/README.md 의 GRPO 절 참고.
import random, sys, copy, torch
from llmnotes.gpt import load_pretrained
from llmnotes.reasoner import generate, GRPOConfig, grpo_update
from llmnotes.reasoning import make_problem, parse_answer
lr=float(sys.argv[1]); opt_name=sys.argv[2]; reward=sys.argv[3]
m = load_pretrained('data/models/reasoners/cot-short')
ref = copy.deepcopy(m).eval()
rng = random.Random(7)
probs = [make_problem(rng, rng.randint(1, 4)) for _ in range(16)]
cfg = GRPOConfig(group_size=16, lr=lr, reward=reward, beta=0.0)
opt = torch.optim.AdamW(m.parameters(), lr=lr, betas=(0.9,0.98), weight_decay=0) if opt_name=='adam' else torch.optim.SGD(m.parameters(), lr=lr)
def gacc(): return sum(parse_answer(o[0]) == p.answer for o, p in zip(generate(m, probs), probs)) / 16
for step in range(25):
    texts = generate(m, probs, samples=16, temperature=1.0, seed=step)
    r, kl = grpo_update(m, ref, opt, probs, texts, cfg)
    if step % 4 == 0: print(step, 'reward', round(r.mean().item(),3), 'greedy', gacc(), flush=True)
