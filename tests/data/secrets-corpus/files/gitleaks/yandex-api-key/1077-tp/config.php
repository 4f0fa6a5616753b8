<?php
$yandexToken .= "AQVNsFU05o8bcEmQ5RsOdAzubYsiNgGL6ujy6OO_JI"
