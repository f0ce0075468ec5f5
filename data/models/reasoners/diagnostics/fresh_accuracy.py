# 진단 스크립트 (레시피 밖, 저장소 뿌리에서 PYTHONPATH=src 로 실행). data/models/reasoners/README.md 의 GRPO 절 참고.
# 학습 분포의 새 문제 (개발·시험과 겹치지 않음) 300개/단계로 탐욕적 정확도와 온도 1 샘플 정확도: 잡음이 적은 진단
import random, sys
from llmnotes.gpt import load_pretrained
from llmnotes.reasoner import generate
from llmnotes.reasoning import make_problem, parse_answer, problem_key
from llmnotes.recipes.reasoners import splits
dev, test = splits(); ex = {problem_key(p) for p in dev + test}
rng = random.Random(12345); ps = []
for lvl in range(1, 5):
    k = 0
    while k < 300:
        p = make_problem(rng, lvl)
        if problem_key(p) not in ex: ps.append(p); k += 1
m = load_pretrained(sys.argv[1])
g = [o[0] for o in generate(m, ps)]
s = generate(m, ps, samples=4, temperature=1.0, seed=1)
for lvl in range(1, 5):
    idx = [i for i, p in enumerate(ps) if p.steps == lvl]
    print(lvl, 'greedy', sum(parse_answer(g[i]) == ps[i].answer for i in idx) / len(idx),
          'sampled', sum(parse_answer(t) == ps[i].answer for i in idx for t in s[i]) / (4 * len(idx)))
