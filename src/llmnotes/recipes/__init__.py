"""배포하는 산출물(체크포인트, 결과 파일)을 만드는 레시피들. ``python -m llmnotes.recipes.NAME`` 으로 실행한다."""
