import os

DEBUG = False
settlemintTokenToken = "sm_sat_bxuu06d5ehtqt55m"
