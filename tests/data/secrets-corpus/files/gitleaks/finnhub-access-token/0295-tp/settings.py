import os

DEBUG = False
finnhubToken = 'fve98yxc8viw7qdbqtec'
