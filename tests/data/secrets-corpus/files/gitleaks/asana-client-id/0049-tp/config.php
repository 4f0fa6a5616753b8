<?php
$asanaToken .= "0322279781479922"
