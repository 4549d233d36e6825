#!/bin/sh
# Recreates the test images in this folder. The good images come from ImageMagick 6 (Debian package
# imagemagick); the damaged headers need a valid CRC, so Python's standard library writes those.
# Run from this folder: ./make-fixtures.sh   (CONVERT=/path/to/convert to pick another ImageMagick)
set -eu
CONVERT=${CONVERT:-convert}
# -strip drops the time stamps and colour chunks, so the files are the same on every run.
common="-strip -define png:exclude-chunks=date,time"

# 4×2 grey, 8 bits: 0 64 128 255 / 255 128 64 0
printf '\000\100\200\377\377\200\100\000' |
    $CONVERT -size 4x2 -depth 8 gray:- $common -define png:color-type=0 -define png:bit-depth=8 gray8.png

# 4×2 grey, 16 bits: 0 1000 32896 65535 / 65535 32896 1000 0 (big-endian samples)
printf '\000\000\003\350\200\200\377\377\377\377\200\200\003\350\000\000' |
    $CONVERT -size 4x2 -depth 16 -endian MSB gray:- $common -define png:color-type=0 -define png:bit-depth=16 gray16.png

# 2×2 grey + alpha, as (grey, alpha): (0,255) (255,0) / (0,128) (200,64)
printf '\000\000\000\377\377\377\377\000\000\000\000\200\310\310\310\100' |
    $CONVERT -size 2x2 -depth 8 rgba:- $common -define png:color-type=4 -define png:bit-depth=8 gray-alpha.png

# 2×2 RGB: red green / blue (10,20,30)
printf '\377\000\000\000\377\000\000\000\377\012\024\036' |
    $CONVERT -size 2x2 -depth 8 rgb:- $common -define png:color-type=2 -define png:bit-depth=8 rgb.png

# 2×2 RGBA: opaque red, (0,0,255,128) / (10,20,30,0), opaque white
printf '\377\000\000\377\000\000\377\200\012\024\036\000\377\377\377\377' |
    $CONVERT -size 2x2 -depth 8 rgba:- $common -define png:color-type=6 -define png:bit-depth=8 rgba.png

# 2×2 palette: red (0,128,0) / (0,128,0) blue
printf '\377\000\000\000\200\000\000\200\000\000\000\377' |
    $CONVERT -size 2x2 -depth 8 rgb:- $common -define png:color-type=3 palette.png

# 16×16 grey, Adam7-interlaced: the pixel in column x, row y is 16x + y
$CONVERT -size 16x16 xc:black -fx '(i*16+j)/255' -colorspace gray $common -interlace PNG \
    -define png:color-type=0 -define png:bit-depth=8 interlaced.png

# Greymaps: the 8-bit image as P2 text, the 16-bit one as P5 with 2-byte samples.
$CONVERT gray8.png -strip -compress none gray8-ascii.pgm
$CONVERT gray16.png -strip -depth 16 gray16-binary.pgm

# Damaged files.
printf 'This is a text file, not a picture.\n' > not-an-image.png
head -c 60 interlaced.png > truncated.png
python3 - <<'PY'
import struct, zlib

def chunk(kind, payload):
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

def png(width, height):
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grey
    pixels = zlib.compress(b"\x00\x00")                             # one filtered row of one pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")

open("zero-width.png", "wb").write(png(0, 1))
open("huge.png", "wb").write(png(20000, 20000))
PY
