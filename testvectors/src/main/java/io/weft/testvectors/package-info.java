/**
 * Known-answer test vectors kept as JSON data files under {@code io/weft/testvectors/}, each file
 * naming its source (RFC section or draft), and the loader {@link io.weft.testvectors.VectorFile}.
 *
 * <p>File shape: {@code {"name": ..., "source": ..., "cases": [{"field": "hex or text", ...}]}}.
 * Byte fields are lower-case hex; a field whose name ends in {@code _text} is UTF-8 text.
 */
package io.weft.testvectors;
