# 진단 스크립트 (레시피 밖, 저장소 뿌리에서 PYTHONPATH=src 로 실행). data/models/reasoners/README.md 의 GRPO 절 참고.
import sys, json
from collections import Counter
from dataclasses import replace
from llmnotes.gpt import load_pretrained
from llmnotes.reasoner import train_grpo, generate
from llmnotes.reasoning import parse_answer, problem_key, check_steps
from llmnotes.recipes.reasoners import splits, GRPO
dev, test = splits()
exclude = {problem_key(p) for p in dev + test}
kw = json.loads(sys.argv[1])
m0 = load_pretrained('data/models/reasoners/cot-short')
m, h = train_grpo(load_pretrained('data/models/reasoners/cot-short'), replace(GRPO, **kw), exclude)
d1 = [p for p in dev if p.steps <= 2]
o0 = [o[0] for o in generate(m0, d1)]; o1 = [o[0] for o in generate(m, d1)]
def kinds(outs):
    c = Counter()
    for o, p in zip(outs, d1):
        if parse_answer(o) == p.answer: c['ok'] += 1
        else:
            ch = check_steps(o); bad = [x.reason for x in ch if not x.ok]
            c['bad:' + (','.join(bad) or 'copy')] += 1
    return c
print('before', kinds(o0)); print('after', kinds(o1))
n = 0
for a, b, p in zip(o0, o1, d1):
    if a != b and n < 15:
        n += 1; print(p.numbers, p.answer, '|', a, '->', b)
