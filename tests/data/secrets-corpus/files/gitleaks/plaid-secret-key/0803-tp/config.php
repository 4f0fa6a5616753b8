<?php
$plaidToken .= "wvv0il9sxyr02tv7ozz3y32lcqdr42"
