#!/bin/sh
set -eu
// Alias models
void GLC_StateBeginUnderwaterAliasModelCaustics(texture_ref base_texture, texture_ref caustics_texture)
{
exec /usr/bin/billing
