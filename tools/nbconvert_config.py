# nbconvert 설정: tools/regen 이 노트북을 제자리에서 다시 실행할 때 쓴다.
# 실행 시간·위젯 같은 기계마다 다른 메타데이터를 지우고, kernelspec 과 셀 태그는 남긴다.
# slideshow(슬라이드 종류)와 jupyter(접힌 풀이)는 tools/nbmeta.py 가 적은 그대로 남기고, language_info 는 커널이 알려 준
# 전체를 남긴다 (JupyterLab 이 열 때 적는 값과 같아서, 열고 저장해도 파일이 바뀌지 않는다).
c = get_config()  # noqa: F821 - nbconvert 가 주입한다

c.NotebookExporter.preprocessors = [
    "nbconvert.preprocessors.ClearOutputPreprocessor",
    "nbconvert.preprocessors.ExecutePreprocessor",
    # 이어진 stream 출력을 하나로 합치고 \r 로 덮어쓴 글을 지운다: 진행 막대(tqdm)는 갱신마다 출력이 하나씩 쌓이는데,
    # 저장하는 것은 마지막 막대 한 줄이다 (nbval 도 비교 전에 같은 방식으로 합친다).
    "nbconvert.preprocessors.CoalesceStreamsPreprocessor",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
]
# ClearOutputPreprocessor 는 기본으로 셀의 collapsed 도 지운다: 접힌 풀이 셀(collapsed: true)은 남긴다.
c.ClearOutputPreprocessor.remove_metadata_fields = {"scrolled"}
c.ExecutePreprocessor.kernel_name = "python3"
c.ExecutePreprocessor.timeout = 600
c.ExecutePreprocessor.allow_errors = False
c.ExecutePreprocessor.record_timing = False
c.ClearMetadataPreprocessor.enabled = True
c.ClearMetadataPreprocessor.clear_cell_metadata = True
c.ClearMetadataPreprocessor.preserve_cell_metadata_mask = ["tags", "jupyter", "collapsed", "slideshow"]
c.ClearMetadataPreprocessor.clear_notebook_metadata = True
c.ClearMetadataPreprocessor.preserve_nb_metadata_mask = ["kernelspec", "language_info"]
