#!/bin/sh
set -eu
import { chain_Anvil1_Key, chain_Anvil2_Key } from '../blockchain-tests/pallets/supported-chains/consts';
exec /usr/bin/billing
