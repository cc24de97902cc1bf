// Golden bodies: filled below.
