package org.pudle.spark.data;

import java.io.Serializable;

/**
 * One input file and its place in the input.
 *
 * @param index    its position in the sorted file list
 * @param path     the fully qualified Hadoop path
 * @param format   how to read it
 * @param length   its size in bytes
 * @param modified its modification time (milliseconds since 1970, as the filesystem reports it)
 */
public record InputFile(int index, String path, FileFormat format, long length, long modified)
    implements Serializable {}
