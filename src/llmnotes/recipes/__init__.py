"""산출물(체크포인트, 데이터시트)을 만드는 레시피. ``python -m llmnotes.recipes.NAME`` 으로 실행한다."""
