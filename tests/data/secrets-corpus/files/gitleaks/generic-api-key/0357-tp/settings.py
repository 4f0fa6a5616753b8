import os

DEBUG = False
genericToken = 'Zf3D0LXCM3EIMbgJpUNnkRtOfOueHznB'
