#!/bin/bash
# Writes loudness_ffmpeg.json: FFmpeg's ebur128 figures (integrated LUFS, LRA, true peak) for
# the shipped mono/stereo files, and for a 58 s programme built from examples/voice.wav at
# -12, 0 and -4 dB, twice (the loudness test builds the same in memory).
# Run from the repository root with ffmpeg installed: Tests/SFConvTests/Fixtures/make_loudness_golden.sh
set -euo pipefail
out=Tests/SFConvTests/Fixtures/loudness_ffmpeg.json
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

measure() {  # file -> "I LRA TP"
    ffmpeg -hide_banner -nostats -i "$1" -af ebur128=peak=true -f null - 2>&1 | awk '
        /Summary/ { s = 1 } s && /I:/ { i = $2 } s && /LRA:/ { l = $2 } s && /Peak:/ { p = $2 } END { print i, l, p }'
}

v=examples/voice.wav
ffmpeg -hide_banner -loglevel error -i "$v" -filter_complex \
    "[0]asplit=6[a][b][c][d][e][f];[a]volume=-12dB[a1];[c]volume=-4dB[c1];[d]volume=-12dB[d1];[f]volume=-4dB[f1];[a1][b][c1][d1][e][f1]concat=n=6:v=0:a=1" \
    -c:a pcm_f32le "$tmp/programme.wav"

{
    echo '{"ffmpeg": "'"$(ffmpeg -version | head -1 | cut -d' ' -f3)"'", "files": ['
    first=1
    for f in examples/voice.wav impulses/hall.flac impulses/plate.flac impulses/small-room.flac programme; do
        path=$f; [ "$f" = programme ] && path="$tmp/programme.wav"
        read -r i l p < <(measure "$path")
        [ $first = 1 ] || echo ','
        first=0
        printf '  {"name": "%s", "integrated": %s, "range": %s, "true_peak": %s}' "$f" "$i" "$l" "$p"
    done
    echo
    echo ']}'
} > "$out"
echo "wrote $out"
