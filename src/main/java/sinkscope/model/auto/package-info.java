/**
 * The family registry: config.json's {@code model_type} chooses the family, its config parser and loader (as
 * transformers' {@code models/auto}). Depends on {@code sinkscope.model} and its family folders; nothing else.
 */
package sinkscope.model.auto;
