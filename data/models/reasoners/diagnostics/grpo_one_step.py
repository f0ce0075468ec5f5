# 진단 스크립트 (레시피 밖, 저장소 뿌리에서 PYTHONPATH=src 로 실행). data/models/reasoners/README.md 의 GRPO 절 참고.
import random, torch, sys
from llmnotes.gpt import load_pretrained
from llmnotes.reasoner import generate, rollout_batch, PROMPT_LEN, VOCAB
from llmnotes.reasoning import make_problem, parse_answer
from llmnotes.grpo import completion_logprobs, group_advantages, grpo_loss
torch.manual_seed(0)
m = load_pretrained('data/models/reasoners/cot-short')
rng = random.Random(5)
probs = [make_problem(rng, rng.randint(1, 4)) for _ in range(32)]
texts = generate(m, probs, samples=8, temperature=1.0, seed=1)
rewards = torch.tensor([float(parse_answer(t) == p.answer) for p, o in zip(probs, texts) for t in o])
adv = group_advantages(rewards, 8)
ids, mask = rollout_batch(probs, texts)
print('reward', rewards.mean().item(), 'nonzero adv', (adv != 0).sum().item())
print('ex', probs[0].text, texts[0][:3], rewards[:3])
greedy = [o[0] for o in generate(m, probs)]
print('greedy acc', sum(parse_answer(g) == p.answer for g, p in zip(greedy, probs)) / len(probs))
def seqlp(model):
    with torch.no_grad():
        lp = completion_logprobs(model, ids, PROMPT_LEN + 1)
    return (lp * mask).sum(1)
before = seqlp(m)
opt = torch.optim.SGD(m.parameters(), lr=float(sys.argv[1]))
m.train()
lp = completion_logprobs(m, ids, PROMPT_LEN + 1)
loss, _ = grpo_loss(lp, lp.detach(), lp.detach(), adv, mask, beta=0.0)
opt.zero_grad(); loss.backward(); opt.step(); m.eval()
d = seqlp(m) - before
print('pos adv mean dlogp', d[adv > 0].mean().item(), 'neg', d[adv < 0].mean().item(), 'zero', d[adv == 0].mean().item())
print('frac pos increased', (d[adv > 0] > 0).float().mean().item(), 'frac neg decreased', (d[adv < 0] < 0).float().mean().item())
greedy = [o[0] for o in generate(m, probs)]
print('greedy acc after', sum(parse_answer(g) == p.answer for g, p in zip(greedy, probs)) / len(probs))
