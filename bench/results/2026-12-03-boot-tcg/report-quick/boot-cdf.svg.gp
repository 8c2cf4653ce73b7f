set title 'Time to init (host wall clock)'; set xlabel 'seconds'; set ylabel 'fraction of boots';
set key bottom right; set grid; set yrange [0:1.05]
plot 'boot-cdf.dat' index 0 with steps lw 2 title 'redis', 'boot-cdf.dat' index 1 with steps lw 2 title 'general', 'boot-cdf.dat' index 2 with steps lw 2 title 'microvm'
