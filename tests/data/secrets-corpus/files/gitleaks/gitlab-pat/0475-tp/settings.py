import os

DEBUG = False
gitlabToken = 'glpat-os2eabckxkzw0dlkukx8'
