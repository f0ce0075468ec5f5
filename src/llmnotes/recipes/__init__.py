"""레시피(recipe): 저장소에 싣는 산출물(체크포인트, 결과 파일 등)을 만드는 스크립트들.

교육용 모듈(``llmnotes.llama`` 등)은 읽으라고 있는 코드이고, 레시피는 그것들을 조합해 산출물과 데이터시트를 만든다.
각 레시피는 ``python -m llmnotes.recipes.NAME`` 으로 실행한다.

- :mod:`llmnotes.recipes.spine`: 한국어 세계 말뭉치로 BPE 토크나이저와 작은 Llama식 모델을 학습하는 척추(spine) 모델.
- :mod:`llmnotes.recipes.multilingual`: 노트북 19 의 어휘 확장·초기화 비교 결과.
- :mod:`llmnotes.recipes.data_effect`: 노트북 18 의 더러운 말뭉치 대 정제 말뭉치 학습 결과, spine 모델의 문서별 점수.
- :mod:`llmnotes.recipes.synthetic_sft`: 노트북 18 의 합성 지시 데이터 SFT 비교 (``data/synthetic_sft/``).
- :mod:`llmnotes.recipes.reasoners`: 노트북 10 의 작은 추론 모델 (``data/models/reasoners/``).
- :mod:`llmnotes.recipes.reasoner_diagnostics`: 그 GRPO 진단 스크립트들 (산출물 없이 숫자만 출력, 결과는 데이터시트에).
- :mod:`llmnotes.recipes.icl`: 노트북 10 의 인컨텍스트 러닝 메타 학습 모델 (``data/models/icl/``).
- :mod:`llmnotes.recipes.prompt_search`: 노트북 10 의 프롬프트 탐색 결과와 소프트 프롬프트 (``data/models/prompt-search/``).
- :mod:`llmnotes.recipes.records`: 레시피들이 함께 쓰는 파일 해시(sha256)와 JSON 쓰기.
- :mod:`llmnotes.recipes.clip`: 노트북 20 의 작은 CLIP 과 다리 넷(투영기, Q-Former-lite; 조각 토큰 / CapDec),
  다리 부분은 :mod:`llmnotes.recipes.clip_bridges`.
"""
