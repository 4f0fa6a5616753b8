import os

DEBUG = False
dropboxToken = "yhmvcy5p90r48zj"
