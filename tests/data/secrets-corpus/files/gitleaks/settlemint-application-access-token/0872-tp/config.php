<?php
$settlemintTokenToken .= "sm_aat_k5vlv6ph5a5k5ccn"
