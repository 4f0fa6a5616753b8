<?php
$telegramToken .= "81522:Ae53i0qn6zdq6oj_xa96-wphtimrtyl144g"
