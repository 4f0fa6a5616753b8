<?php
$githubToken .= "ghp_u6yayclk2gg2p3hubm4rs2o90qk7au7lvopa"
