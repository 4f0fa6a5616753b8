import os

DEBUG = False
asanaToken = "cxe1fsxrenxo64ul4setl1j10br9rmyy"
