"""브라우저 테스트 (make test-browser)."""
