PATH=/usr/bin:/bin; export PATH
umask 022
for o in $outputs; do eval "d=\$$o"; mkdir -p "$d"; done
pick() { eval "v=\${$1:-}"; if [ -n "$v" ]; then echo "$v"; else echo "$out"; fi; }
devdir=$(pick dev); docdir=$(pick doc); mandir=$(pick man); bindir=$(pick bin); libdir=$(pick lib)

# 1. payload: copies of real host trees
for u in $payload; do
  case "$u" in
    /usr/include/*)   d="$devdir/include" ;;
    /usr/share/doc/*) d="$docdir/share/doc/$pname" ;;
    /usr/share/man/*) d="$mandir/share/man" ;;
    /usr/share/*)     d="$out/share/$(echo "$u" | cut -d/ -f4)" ;;
    /usr/lib/*)       d="$libdir/lib" ;;
    *)                d="$out/opt" ;;
  esac
  mkdir -p "$d"
  cp -r "$u" "$d/" 2>/dev/null || true
done

# 2. generated files exercising the NAR format
mkdir -p "$out/lib" "$libdir/lib" "$out/libexec" "$out/share/$pname" "$out/nix-support" "$bindir/bin"
cp /bin/true "$out/libexec/$pname"                     # real ELF executable
{ echo '#!/bin/sh'
  echo "# $pname $version"
  for d in $deps; do echo "PATH=\"$d/bin:\$PATH\""; done
  echo 'export PATH'
  echo "exec $out/libexec/$pname \"\$@\""
} > "$bindir/bin/$pname"                                 # script referencing deps and out
chmod 0755 "$bindir/bin/$pname"
seq 1 $(( ${#pname} * 37 + 11 )) | sed "s/^/$pname-$version /" > "$libdir/lib/lib$pname.so.$version"
ln -s "lib$pname.so.$version" "$libdir/lib/lib$pname.so"   # relative symlink
ln -s lib "$out/lib64"                                     # symlink to a directory
ln -s /nonexistent/$pname "$out/share/$pname/dangling"     # dangling symlink
: > "$out/share/$pname/empty"                              # 0 bytes
printf 'x' > "$out/share/$pname/one"                       # 1 byte (7 bytes padding)
printf '1234567' > "$out/share/$pname/seven"
printf '12345678' > "$out/share/$pname/eight"              # no padding
printf '123456789' > "$out/share/$pname/nine"
mkdir -p "$out/share/$pname/empty-dir"
for d in $deps; do ln -s "$d" "$out/share/$pname/dep-${d#/nix/store/????????????????????????????????-}"; done
echo "$deps" > "$out/nix-support/runtime-deps"
mkdir -p "$devdir/lib/pkgconfig" "$devdir/include" "$devdir/nix-support"
printf 'prefix=%s\nlibdir=%s/lib\nincludedir=%s/include\nName: %s\nVersion: %s\nLibs: -L${libdir} -l%s\n' \
  "$out" "$libdir" "$devdir" "$pname" "$version" "$pname" > "$devdir/lib/pkgconfig/$pname.pc"
printf '/* %s %s */\n#define %s_VERSION "%s"\n' "$pname" "$version" "$(echo "$pname" | tr 'a-z.+-' 'A-Z___')" "$version" \
  > "$devdir/include/$(echo "$pname" | tr '+' '_')-version.h"
echo "$out $deps" > "$devdir/nix-support/propagated-build-inputs"
if [ "$mandir" != "$out" ]; then
  mkdir -p "$mandir/share/man/man1"
  printf '.TH %s 1\n.SH NAME\n%s \\- %s\n' "$pname" "$pname" "$version" | gzip -9n > "$mandir/share/man/man1/$pname.1.gz"
fi
if [ "$docdir" != "$out" ]; then
  mkdir -p "$docdir/share/doc/$pname"
  echo "$pname $version documentation" > "$docdir/share/doc/$pname/README"
fi
for p in $patches; do mkdir -p "$out/share/$pname/patches"; cp "$p" "$out/share/$pname/patches/"; done
exit 0
