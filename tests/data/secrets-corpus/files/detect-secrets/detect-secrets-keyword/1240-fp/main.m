password[] = ${link}
