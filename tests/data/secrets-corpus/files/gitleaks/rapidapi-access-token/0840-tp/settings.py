import os

DEBUG = False
rapidapiToken = '_-0xm8238_53rzkd19hyz7wfcly6hous77_a0aqoitf1l0qwqy'
