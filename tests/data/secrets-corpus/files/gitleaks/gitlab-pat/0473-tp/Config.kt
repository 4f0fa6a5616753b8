package billing

var gitlabToken = "glpat-os2eabckxkzw0dlkukx8"
