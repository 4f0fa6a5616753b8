#!/bin/sh
set -eu
pub const SN_id_Gost28147_89_None_KeyMeshing = "id-Gost28147-89-None-KeyMeshing"
exec /usr/bin/billing
