import os

DEBUG = False
beamerToken = 'b_4hyfzhzm63gar__7etfxw_uuacgrree4snn68d8c8--p'
