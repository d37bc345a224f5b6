/* The column list is drawn from itemObj (title aT, date aPd, address aU); the pager from
   curPage / pageCount. Nothing of either is in the HTML itself. */
(function(){
function esc(s){ return String(s).replace(/[&<>"]/g, function(c){ return {'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]; }); }
var box = document.getElementById('listBox'), pg = document.getElementById('pageBox');
var h = '<ul class="list">';
for (var i = 0; i < itemObj.length; i++) {
	var o = itemObj[i];
	h += '<li><a href="' + esc(o.aU) + '" target="_blank" title="' + esc(o.aT) + '">' + esc(o.aT) + '</a><span>' + esc(o.aPd.substring(0, 10)) + '</span></li>';
}
box.innerHTML = h + '</ul>';
function page(n){ return 'iList.jsp?cat_id=' + catId + (n > 1 ? '&cur_page=' + n : ''); }
var p = '共' + totalCount + '条 第' + curPage + '/' + pageCount + '页 ';
p += curPage > 1 ? '<a href="' + page(1) + '">首页</a><a href="' + page(curPage - 1) + '">上一页</a>' : '';
p += curPage < pageCount ? '<a href="' + page(curPage + 1) + '">下一页</a><a href="' + page(pageCount) + '">尾页</a>' : '';
pg.innerHTML = p;
})();
