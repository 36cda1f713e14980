/**
 * Known-answer test vectors as JSON data files, each naming its source, and their loaders.
 */
package io.weft.testvectors;
