/**
 * Operating-system TUN devices through JNA.
 */
package io.weft.tun;
