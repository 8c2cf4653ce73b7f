set title 'bzImage size'; set ylabel 'MiB'; set style fill solid 0.6; set boxwidth 0.6;
set xtics rotate by -30; set grid ytics; unset key; set yrange [0:*]
plot 'size.dat' using 0:($2/1048576):xtic(1) with boxes
