import os

DEBUG = False
hashicorpTokenToken = "c65ce5b886a492.atlasv1.uwhh68tg=44grxqj_4zxm79n-xfq=zzh0zirs3z8le1v2-le6t98gd_gdnzk271fo"
