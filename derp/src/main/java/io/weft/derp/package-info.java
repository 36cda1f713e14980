/**
 * DERP relay frames, server, client and mesh.
 */
package io.weft.derp;
