# dir_state IMAGE: /big's format, size and extent count, and the SHA-256 of its data fork as xfs_db
# prints it (a shortform directory's names, or the extent records), of xfs_db's bmap of it and of
# xfs_db's print of each of its blocks without the lsn and crc lines (which differ run to run).
# Run on the host by measure-dir-shrink.sh (on the images Linux left) and by
# NodeDirectoriesShrinkAsLinuxTest (on jdax's), so that one xfs_db prints both.
dir_state() {
  state=$(xfs_db -r -c "path /big" -c "p core.format core.size core.nextents" "$1" | sed 's/ (.*)//' | tr '\n' ' ')
  fork=$(xfs_db -r -c "path /big" -c "p u3" "$1" | sha256sum | cut -c1-16)
  bmap=$(xfs_db -r -c "path /big" -c "bmap" "$1")
  blocks=$(echo "$bmap" | awk 'NF { for (k = 0; k < $8; k++) print "dblock " ($3 + k) "\np" }')
  printf '%s| fork %s | bmap %s | blocks %s\n' "$state" "$fork" "$(echo "$bmap" | sha256sum | cut -c1-16)" \
    "$( (echo "path /big"; echo "$blocks") | xfs_db -r "$1" 2> /dev/null | grep -v 'lsn\|crc' | sha256sum | cut -c1-16)"
}
