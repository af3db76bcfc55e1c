package org.pudle.spark.data;

import java.io.Serializable;

/**
 * One input file and its place in the input.
 *
 * @param index  its position in the sorted file list
 * @param path   the fully qualified Hadoop path
 * @param format how to read it
 * @param length its size in bytes
 */
public record InputFile(int index, String path, FileFormat format, long length) implements Serializable {}
