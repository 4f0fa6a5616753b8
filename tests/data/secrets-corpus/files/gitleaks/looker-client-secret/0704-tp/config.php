<?php
$lookerToken .= "zakhx6j9sbnla0ub8mlyd6tb"
