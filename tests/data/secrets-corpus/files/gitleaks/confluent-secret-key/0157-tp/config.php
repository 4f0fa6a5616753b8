<?php
$confluentToken .= "789diban5bdaxcce834c0alf9usopoff9wk57t71bu9awy3kdk8v3nrmv4rrkbpl"
