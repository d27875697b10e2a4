#!/usr/bin/env bash
# Builds an LGPL FFmpeg (no --enable-gpl, no --enable-nonfree, so no libx264/libx265) with the OpenH264
# encoder, from Debian's source tarball of the same FFmpeg release Debian ships (5.1, media.md's version).
# The media-worker image uses it (docker/media-worker.Dockerfile, FFMPEG=lgpl); developers can use it to
# run the encoded broadcast paths LGPL-clean on their machine (README, "LGPL encoding").
#
#   bash docker/build-ffmpeg-lgpl.sh [--minimal] [PREFIX]      (PREFIX defaults to /opt/ffmpeg-lgpl)
#
# --minimal builds only the components lib-stream's media worker uses (RTMP/FLV in and out, files,
#   lavfi sources, PNG/JPEG stills, H.264/AAC/Opus/PCM decoding, OpenH264 + AAC encoding): about 4 min on
#   2 cores instead of about 20. The default builds every native component.
# Needs: a C toolchain, pkg-config, curl, xz, and the OpenH264, GnuTLS and zlib headers
#   (Debian: build-essential pkg-config curl xz-utils libopenh264-dev libgnutls28-dev zlib1g-dev).
set -euo pipefail

VERSION=5.1.9
# sha256 of deb.debian.org's ffmpeg_5.1.9.orig.tar.xz (the upstream release tarball, repacked by Debian).
SHA256=d9b593bb2ba93d4b50f74177e0cdcd41747e708596367deed0c30348a71dd176
URL="http://deb.debian.org/debian/pool/main/f/ffmpeg/ffmpeg_${VERSION}.orig.tar.xz"

minimal=0
if [ "${1:-}" = "--minimal" ]; then minimal=1; shift; fi
prefix="${1:-/opt/ffmpeg-lgpl}"
jobs="$(nproc 2> /dev/null || echo 2)"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
echo "Fetching FFmpeg ${VERSION} source..."
curl -fsSL "$URL" -o "$work/src.tar.xz"
echo "${SHA256}  $work/src.tar.xz" | sha256sum -c --quiet -
tar -xJf "$work/src.tar.xz" -C "$work"
cd "$work/ffmpeg-${VERSION}"

common=(--prefix="$prefix" --disable-gpl --disable-nonfree --disable-doc --disable-debug --disable-ffplay
  --enable-libopenh264 --enable-gnutls --enable-zlib)
if [ "$minimal" = 1 ]; then
  components=(--disable-x86asm --disable-everything --disable-autodetect
    --enable-protocol='file,pipe,tcp,rtmp,rtmps,http,https,tls,udp,rtp'
    --enable-demuxer='flv,live_flv,image2,png_pipe,jpeg_pipe,mov,matroska,mpegts,hls,rtp,sdp,wav,aac,mp3'
    --enable-muxer='flv,null,mpegts,segment,mp4,rtp,wav'
    --enable-decoder='h264,aac,png,mjpeg,opus,pcm*,rawvideo,mp3'
    --enable-encoder='libopenh264,aac,rawvideo,pcm*,png'
    --enable-parser='h264,aac,png,mjpeg,opus'
    --enable-bsf='aac_adtstoasc,h264_mp4toannexb,extract_extradata,null'
    --enable-filter='color,anullsrc,format,fps,scale,pad,aresample,aformat,null,anull,setpts,asetpts,testsrc,testsrc2,sine,overlay,split,asplit'
    --enable-indev=lavfi)
else
  components=()
fi

echo "Configuring (${prefix}, $([ "$minimal" = 1 ] && echo minimal || echo full))..."
./configure "${common[@]}" "${components[@]}" > "$work/configure.log" || { tail -30 "$work/configure.log"; exit 1; }
grep -q '^License: LGPL' "$work/configure.log" || { echo "configure did not produce an LGPL build" >&2; exit 1; }
echo "Compiling with ${jobs} jobs..."
make -j"$jobs" > "$work/make.log" 2>&1 || { tail -30 "$work/make.log"; exit 1; }
make install > /dev/null
if "$prefix/bin/ffmpeg" -hide_banner -buildconf | grep -q -e '--enable-gpl' -e '--enable-nonfree'; then
  echo "the built FFmpeg is not LGPL" >&2
  exit 1
fi
"$prefix/bin/ffmpeg" -hide_banner -encoders | grep -q libopenh264
echo "LGPL FFmpeg with libopenh264 in ${prefix}/bin"
