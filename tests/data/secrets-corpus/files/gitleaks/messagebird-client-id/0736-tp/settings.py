import os

DEBUG = False
MessageBirdToken = '12345678-ABCD-ABCD-ABCD-1234567890AB'
