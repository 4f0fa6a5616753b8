<?php
$harnessToken .= "sat.47wikfuxbwvqkr25ztascm.f1z8egam99i4h7osrlyt2wt9.ndjd1y9tsj0aay7e5mz0"
