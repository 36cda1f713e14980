/**
 * Text that came from a node or the identity provider, made safe before it reaches a log line, a
 * terminal or an HTML page: control characters (C0, DEL, C1) and the Unicode bidirectional
 * overrides that reorder what a terminal shows are escaped, and HTML metacharacters are encoded.
 */
package io.weft.control.text;
