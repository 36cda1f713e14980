/**
 * The client side of an HTTP/1.1 upgrade: the response head read strictly and within fixed bounds,
 * shared by the control client ({@code weft-control-v1}) and the DERP client ({@code DERP}), the
 * only two clients that switch protocols.
 */
package io.weft.wg.httpupgrade;
