# 진단 스크립트 (레시피 밖, 저장소 뿌리에서 PYTHONPATH=src 로 실행). 인자: GRPO 설정을 바꿀 JSON. data/models/reasoners/README.md 의 GRPO 절 참고.
import sys, json, time
from dataclasses import replace
from llmnotes.gpt import load_pretrained
from llmnotes.reasoner import GRPOConfig, train_grpo, generate
from llmnotes.reasoning import parse_answer, problem_key
from llmnotes.recipes.reasoners import splits, GRPO, by_level
kw = json.loads(sys.argv[1])
dev, test = splits()
exclude = {problem_key(p) for p in dev + test}
def acc(m):
    outs = [o[0] for o in generate(m, dev)]
    d = by_level(dev, [parse_answer(o) == p.answer for o, p in zip(outs, dev)])
    return d, round(sum(d.values()) / len(d), 4)
c = replace(GRPO, **kw)
t0 = time.process_time()
def cb(step, m):
    print('step', step, acc(m), flush=True)
m, h = train_grpo(load_pretrained('data/models/reasoners/cot-short'), c, exclude, log_every=20, log=print, callback=cb)
print('final', kw, acc(m), 'cpu', time.process_time() - t0, flush=True)
