<?php
$finnhubToken .= "fve98yxc8viw7qdbqtec"
